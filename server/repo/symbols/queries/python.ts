/** Tags for Python. Functions in a class body are methods; module-level assignments are constants. */
export const PYTHON = String.raw`
(class_definition name: (identifier) @def.class)
(function_definition name: (identifier) @def.function)
(class_definition body: (block (function_definition name: (identifier) @def.method)))
(class_definition body: (block (decorated_definition definition: (function_definition name: (identifier) @def.method))))
(module (expression_statement (assignment left: (identifier) @def.constant)))

(call function: (identifier) @ref)
(attribute attribute: (identifier) @ref)
(import_from_statement name: (dotted_name (identifier) @ref))
(aliased_import name: (dotted_name (identifier) @ref))
(argument_list (identifier) @ref)
(type (identifier) @ref)
(generic_type (identifier) @ref)
(decorator (identifier) @ref)
`;
