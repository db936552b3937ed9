/**
 * Architecture test: the layers depend on each other only in the directions ARCHITECTURE.md §1
 * allows. The checker is tested on inline examples first, so it demonstrably can fail.
 */
import assert from 'node:assert/strict';
import { checkImportBoundaries, formatViolations } from './support/import-boundaries.js';
import { listTsFiles, readRepoFile } from './support/repo-files.js';

/** The specifiers the checker rejects in `code` written at `file`. */
function rejected(file: string, code: string): string[] {
  return checkImportBoundaries(file, code).map((v) => v.specifier);
}

describe('architecture: import boundaries', () => {
  describe('the checker', () => {
    it('keeps core/ free of plugins/ and properties/', () => {
      const file = 'core/scheduler/framework.ts';
      assert.deepEqual(rejected(file, "import { fit } from '../../plugins/scheduler/fit/fit.js';"), ['../../plugins/scheduler/fit/fit.js']);
      assert.deepEqual(rejected(file, "import { all } from '../../plugins/index.js';"), ['../../plugins/index.js']);
      assert.deepEqual(rejected(file, "export * from '../../properties/runner/run.js';"), ['../../properties/runner/run.js']);
      assert.deepEqual(rejected(file, "import type { Inv } from '../../properties/invariants/x.js';"), ['../../properties/invariants/x.js']);
      assert.deepEqual(rejected(file, "const m = await import('../../plugins/index.js');"), ['../../plugins/index.js']);
      assert.deepEqual(rejected(file, "type P = import('../../plugins/index.js').Plugin;"), ['../../plugins/index.js']);
      assert.deepEqual(rejected(file, "import { x } from 'kubeprop/plugins';"), ['kubeprop/plugins']);
      assert.deepEqual(rejected('core/sim/x.spec.ts', "import { p } from '../../plugins/index.js';"), ['../../plugins/index.js']);
    });

    it('lets core/ import itself, packages and Node built-ins', () => {
      const code = [
        "import { Store } from '../store/store.js';",
        "export * from './status.js';",
        "import { createHash } from 'node:crypto';",
        "import fc from 'fast-check';",
        "import type { Pod } from '../api/types.js';",
      ].join('\n');
      assert.deepEqual(rejected('core/scheduler/framework.ts', code), []);
    });

    it('lets plugins/ use core only through the public API', () => {
      const file = 'plugins/scheduler/node-resources-fit/node-resources-fit.ts';
      const ok = [
        "import { Status } from 'kubeprop';",
        "import { Status } from '../../../core/index.js';",
        "import { Status } from '../../../core/index.ts';",
        "import { Status } from '../../../core/index';",
        "import { Status } from '../../../core';",
        "import { helper } from '../../shared/helper.js';",
        "import { other } from '../taint-toleration/taint-toleration.js';",
      ].join('\n');
      assert.deepEqual(rejected(file, ok), []);
      assert.deepEqual(rejected(file, "import { Status } from '../../../core/scheduler/status.js';"), ['../../../core/scheduler/status.js']);
      assert.deepEqual(rejected(file, "import type { Pod } from '../../../core/api/types.js';"), ['../../../core/api/types.js']);
      assert.deepEqual(rejected(file, "export { Rng } from '../../../core/sim/rng.js';"), ['../../../core/sim/rng.js']);
      assert.deepEqual(rejected(file, "import { x } from 'kubeprop/core/sim/rng.js';"), ['kubeprop/core/sim/rng.js']);
      assert.deepEqual(rejected(file, "import { inv } from '../../../properties/index.js';"), ['../../../properties/index.js']);
      assert.deepEqual(rejected(file, "import { inv } from 'kubeprop/properties';"), ['kubeprop/properties']);
    });

    it('applies the same rule to plugin specs', () => {
      const file = 'plugins/scheduler/node-resources-fit/node-resources-fit.spec.ts';
      assert.deepEqual(rejected(file, "import { Simulation } from '../../../core/sim/simulation.js';"), ['../../../core/sim/simulation.js']);
      assert.deepEqual(rejected(file, "import { Simulation } from 'kubeprop';"), []);
    });

    it('lets properties/ use only core/index and plugins/index', () => {
      const file = 'properties/invariants/pods-bound.ts';
      const ok = [
        "import { Simulation } from '../../core/index.js';",
        "import { defaults } from '../../plugins/index.js';",
        "import { defaults } from 'kubeprop/plugins';",
        "import { Simulation } from 'kubeprop';",
        "import { arb } from '../arbitraries/cluster.js';",
      ].join('\n');
      assert.deepEqual(rejected(file, ok), []);
      assert.deepEqual(rejected(file, "import { Rng } from '../../core/sim/rng.js';"), ['../../core/sim/rng.js']);
      assert.deepEqual(rejected(file, "import { fit } from '../../plugins/scheduler/fit/fit.js';"), ['../../plugins/scheduler/fit/fit.js']);
    });

    it('does not constrain files outside the three layers', () => {
      assert.deepEqual(rejected('test/x.spec.ts', "import { Rng } from '../core/sim/rng.js';"), []);
      assert.deepEqual(rejected('bench/run.ts', "import { fit } from '../plugins/scheduler/fit/fit.js';"), []);
    });

    it('reports file and line', () => {
      const code = "import { ok } from 'kubeprop';\n\nimport { bad } from '../../../core/store/store.js';\n";
      const violations = checkImportBoundaries('plugins/a/b/c.ts', code);
      assert.equal(violations.length, 1);
      assert.equal(violations[0]?.line, 3);
      assert.match(formatViolations(violations), /^plugins\/a\/b\/c\.ts:3: '\.\.\/\.\.\/\.\.\/core\/store\/store\.js' reaches into core\/store\/store\.js/);
    });
  });

  describe('the repository', () => {
    it('respects the layering of ARCHITECTURE.md §1 in core/, plugins/ and properties/', function () {
      this.timeout(30_000);
      const files = listTsFiles(['core', 'plugins', 'properties']);
      assert.ok(files.includes('core/index.ts'), 'the file listing should find core/index.ts');
      const violations = files.flatMap((file) => checkImportBoundaries(file, readRepoFile(file)));
      assert.equal(violations.length, 0, `import boundary violations:\n${formatViolations(violations)}`);
    });
  });
});
