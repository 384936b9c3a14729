/** Tags for TypeScript and TSX: JavaScript's plus types, interfaces, enums, namespaces and signatures. */
import { JSX, SHARED_JS } from './javascript';

export const TYPESCRIPT = String.raw`
${SHARED_JS}
(function_signature name: (identifier) @def.function)
(abstract_class_declaration name: (type_identifier) @def.class)
(interface_declaration name: (type_identifier) @def.interface)
(type_alias_declaration name: (type_identifier) @def.type)
(enum_declaration name: (identifier) @def.enum)
(method_signature name: (property_identifier) @def.method)
(abstract_method_signature name: (property_identifier) @def.method)
(internal_module name: (identifier) @def.module)
(ambient_declaration (lexical_declaration (variable_declarator name: (identifier) @def.constant)))
(ambient_declaration (variable_declaration (variable_declarator name: (identifier) @def.variable)))

(type_identifier) @ref
(extends_clause value: (identifier) @ref)
(nested_type_identifier module: (identifier) @ref)
`;

export const TSX = String.raw`
${TYPESCRIPT}
${JSX}
`;
