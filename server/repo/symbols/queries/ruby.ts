/** Tags for Ruby. Every constant use is a reference: constants name classes and modules. */
export const RUBY = String.raw`
(class name: (constant) @def.class)
(class name: (scope_resolution name: (constant) @def.class))
(module name: (constant) @def.module)
(module name: (scope_resolution name: (constant) @def.module))
(method name: (_) @def.method)
(singleton_method name: (_) @def.method)
(assignment left: (constant) @def.constant)

(call method: (identifier) @ref)
(constant) @ref
`;
