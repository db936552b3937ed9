/**
 * kubeprop's public API: what `import ... from 'kubeprop'` gives. Everything a user's plugin,
 * controller, admission policy or property suite needs is exported here, and the default plugins in
 * `plugins/` are written against nothing else.
 */
export * from './errors.js';
export * from './api/types.js';
