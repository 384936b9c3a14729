/**
 * Tags for C and C++, both parsed with the C++ grammar. Prototypes count as definitions because in
 * C a header's prototypes are the module's interface.
 */
export const C_CPP = String.raw`
(function_declarator declarator: (identifier) @def.function)
(function_declarator declarator: (field_identifier) @def.method)
(function_declarator declarator: (qualified_identifier name: (identifier) @def.method))
(function_declarator declarator: (qualified_identifier name: (qualified_identifier name: (identifier) @def.method)))
(struct_specifier name: (type_identifier) @def.class body: (_))
(class_specifier name: (type_identifier) @def.class body: (_))
(union_specifier name: (type_identifier) @def.class body: (_))
(enum_specifier name: (type_identifier) @def.enum body: (_))
(type_definition declarator: (type_identifier) @def.type)
(alias_declaration name: (type_identifier) @def.type)
(preproc_def name: (identifier) @def.macro)
(preproc_function_def name: (identifier) @def.macro)
(namespace_definition name: (namespace_identifier) @def.module)

(call_expression function: (identifier) @ref)
(call_expression function: (field_expression field: (field_identifier) @ref))
(call_expression function: (qualified_identifier name: (identifier) @ref))
(type_identifier) @ref
(argument_list (identifier) @ref)
`;
