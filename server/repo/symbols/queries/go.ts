/** Tags for Go. A type's kind follows what it declares: a struct is a class, an interface an interface. */
export const GO = String.raw`
(function_declaration name: (identifier) @def.function)
(method_declaration name: (field_identifier) @def.method)
(method_elem name: (field_identifier) @def.method)
(type_spec name: (type_identifier) @def.class type: (struct_type))
(type_spec name: (type_identifier) @def.interface type: (interface_type))
(type_spec name: (type_identifier) @def.type)
(type_alias name: (type_identifier) @def.type)
(source_file (const_declaration (const_spec name: (identifier) @def.constant)))
(source_file (var_declaration (var_spec name: (identifier) @def.variable)))

(call_expression function: (identifier) @ref)
(selector_expression field: (field_identifier) @ref)
(type_identifier) @ref
(argument_list (identifier) @ref)
`;
