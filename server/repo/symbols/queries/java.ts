/** Tags for Java. Fields are left out: their names repeat across classes and only add noise to the graph. */
export const JAVA = String.raw`
(class_declaration name: (identifier) @def.class)
(record_declaration name: (identifier) @def.class)
(interface_declaration name: (identifier) @def.interface)
(annotation_type_declaration name: (identifier) @def.interface)
(enum_declaration name: (identifier) @def.enum)
(method_declaration name: (identifier) @def.method)

(method_invocation name: (identifier) @ref)
(method_invocation object: (identifier) @ref)
(field_access field: (identifier) @ref)
(field_access object: (identifier) @ref)
(type_identifier) @ref
(import_declaration (scoped_identifier name: (identifier) @ref))
(marker_annotation name: (identifier) @ref)
(annotation name: (identifier) @ref)
(argument_list (identifier) @ref)
`;
