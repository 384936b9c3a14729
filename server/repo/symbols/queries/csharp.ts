/** Tags for C#. Properties are definitions because C# APIs are built from them. */
export const CSHARP = String.raw`
(class_declaration name: (identifier) @def.class)
(struct_declaration name: (identifier) @def.class)
(record_declaration name: (identifier) @def.class)
(interface_declaration name: (identifier) @def.interface)
(enum_declaration name: (identifier) @def.enum)
(delegate_declaration name: (identifier) @def.type)
(method_declaration name: (identifier) @def.method)
(property_declaration name: (identifier) @def.property)

(invocation_expression function: (identifier) @ref)
(member_access_expression name: (identifier) @ref)
(member_access_expression expression: (identifier) @ref)
(object_creation_expression type: (identifier) @ref)
(base_list (identifier) @ref)
(variable_declaration type: (identifier) @ref)
(parameter type: (identifier) @ref)
(method_declaration returns: (identifier) @ref)
(property_declaration type: (identifier) @ref)
(generic_name (identifier) @ref)
(type_argument_list (identifier) @ref)
(argument (identifier) @ref)
`;
