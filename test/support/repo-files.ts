/**
 * Lists the repository's TypeScript sources for the architecture tests, as repository-relative
 * POSIX paths in sorted order (so reports are stable).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this file lives in `test/support/`. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every `.ts` file under the given top-level folders (declaration files and node_modules excluded). */
export function listTsFiles(folders: readonly string[]): string[] {
  const out: string[] = [];
  for (const folder of folders) {
    let entries: string[];
    try {
      entries = readdirSync(join(REPO_ROOT, folder), { recursive: true, encoding: 'utf8' });
    } catch {
      continue; // A layer that does not exist yet has nothing to check.
    }
    for (const entry of entries) {
      const path = `${folder}/${entry.split(sep).join('/')}`;
      if (path.includes('/node_modules/') || !path.endsWith('.ts') || path.endsWith('.d.ts')) continue;
      out.push(path);
    }
  }
  return out.sort();
}

/** Whether a file is a spec or a property suite, i.e. test code rather than production code. */
export function isTestFile(path: string): boolean {
  return path.endsWith('.spec.ts') || path.endsWith('.property.ts');
}

/**
 * The production files on the simulation path (ARCHITECTURE.md §3, rule 3): `core/` except
 * `core/cli/`, and `plugins/`. Specs and property suites are not on that path: they drive
 * simulations from outside and may legitimately use host timers or time their own runs.
 */
export function simulationPathFiles(): string[] {
  return listTsFiles(['core', 'plugins']).filter((p) => !p.startsWith('core/cli/') && !isTestFile(p));
}

/** Reads a repository file by its repository-relative path. */
export function readRepoFile(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}

