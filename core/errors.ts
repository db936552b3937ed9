/**
 * The four kinds of bug kubeprop throws. Expected outcomes (a pod that does not fit, a conflict on
 * update, a denied admission request) are values, never exceptions; these classes are reserved for
 * situations where something is wrong with the model, the configuration, a plugin or an invariant.
 */

/** A defect in kubeprop itself: an internal consistency check failed. */
export class ModelBug extends Error {
  override readonly name = 'ModelBug';
}

/**
 * Invalid user input: a manifest, a configuration file, a fault plan or an option. The message
 * names the file, line and field where they are known.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    /** Where the bad input is, when known: `file:line:col`. */
    readonly location?: string,
  ) {
    super(location ? `${location}: ${message}` : message);
  }
}

/**
 * A plugin (scheduler plugin, admission policy, controller) misbehaved: it threw, returned a value
 * outside its contract, or mutated its inputs. The framework reports it with the plugin's name and
 * the extension point instead of crashing.
 */
export class PluginError extends Error {
  override readonly name = 'PluginError';
  constructor(
    readonly plugin: string,
    readonly extensionPoint: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`plugin ${plugin} (${extensionPoint}): ${message}`, options);
  }
}

/** A property run found the cluster in a state that breaks a declared invariant. */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
  constructor(
    readonly invariant: string,
    message: string,
  ) {
    super(`invariant ${invariant} violated: ${message}`);
  }
}

/** Exhaustiveness check for discriminated unions: reaching this is a model bug. */
export function assertNever(value: never, what = 'value'): never {
  throw new ModelBug(`unexpected ${what}: ${JSON.stringify(value)}`);
}
