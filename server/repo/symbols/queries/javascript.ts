/**
 * Tags for JavaScript, and the part TypeScript shares with it. Captures: `@def.<kind>` on a
 * definition's name, `@ref` on a name used elsewhere. Only top-level variables are definitions,
 * so locals never become graph edges; member names are references so methods and constants used
 * as `obj.name` link files.
 */
export const SHARED_JS = String.raw`
(function_declaration name: (identifier) @def.function)
(generator_function_declaration name: (identifier) @def.function)
(class_declaration name: (_) @def.class)
(method_definition name: (property_identifier) @def.method)

(program (lexical_declaration (variable_declarator name: (identifier) @def.constant)))
(program (variable_declaration (variable_declarator name: (identifier) @def.variable)))
(export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @def.constant)))
(export_statement declaration: (variable_declaration (variable_declarator name: (identifier) @def.variable)))
(program (lexical_declaration (variable_declarator name: (identifier) @def.function value: [(arrow_function) (function_expression)])))
(export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @def.function value: [(arrow_function) (function_expression)])))
(assignment_expression
  left: (member_expression property: (property_identifier) @def.function)
  right: [(arrow_function) (function_expression)])

(call_expression function: (identifier) @ref)
(new_expression constructor: (identifier) @ref)
(member_expression property: (property_identifier) @ref)
(import_specifier name: (identifier) @ref)
(export_specifier name: (identifier) @ref)
(arguments (identifier) @ref)
`;

/** Components used as elements; the JavaScript and TSX grammars have JSX, TypeScript's has not. */
export const JSX = String.raw`
(jsx_opening_element name: (identifier) @ref)
(jsx_self_closing_element name: (identifier) @ref)
`;

export const JAVASCRIPT = String.raw`
${SHARED_JS}
${JSX}
(class_heritage (identifier) @ref)
`;
