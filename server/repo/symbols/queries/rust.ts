/**
 * Tags for Rust. Functions inside an impl or trait are methods. Macro arguments are unparsed token
 * trees, so every name in them counts as a reference: calls inside `println!` or `assert_eq!` matter.
 */
export const RUST = String.raw`
(struct_item name: (type_identifier) @def.class)
(union_item name: (type_identifier) @def.class)
(enum_item name: (type_identifier) @def.enum)
(trait_item name: (type_identifier) @def.interface)
(function_item name: (identifier) @def.function)
(impl_item body: (declaration_list (function_item name: (identifier) @def.method)))
(function_signature_item name: (identifier) @def.method)
(const_item name: (identifier) @def.constant)
(static_item name: (identifier) @def.constant)
(type_item name: (type_identifier) @def.type)
(mod_item name: (identifier) @def.module)
(macro_definition name: (identifier) @def.macro)

(call_expression function: (identifier) @ref)
(field_expression field: (field_identifier) @ref)
(scoped_identifier name: (identifier) @ref)
(scoped_identifier path: (identifier) @ref)
(scoped_type_identifier name: (type_identifier) @ref)
(macro_invocation macro: (identifier) @ref)
(token_tree (identifier) @ref)
(type_identifier) @ref
(use_list (identifier) @ref)
(use_as_clause path: (identifier) @ref)
(arguments (identifier) @ref)
`;
