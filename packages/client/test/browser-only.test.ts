import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';

const packageDir = new URL('../', import.meta.url);
const sourceDir = new URL('src/', packageDir);
const distDir = new URL('dist/', packageDir);

/** Every module specifier a file imports or re-exports, statically or dynamically, with whether it is type-only. */
function importsOf(text: string): { specifier: string; typeOnly: boolean }[] {
  const found: { specifier: string; typeOnly: boolean }[] = [];
  const statements = /\b(import|export)\s+(type\s+)?(?:[^'";]*?\bfrom\s*)?['"]([^'"]+)['"]/g;
  for (const match of text.matchAll(statements)) {
    found.push({ specifier: match[3] as string, typeOnly: match[2] !== undefined });
  }
  for (const match of text.matchAll(/\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    found.push({ specifier: match[1] as string, typeOnly: false });
  }
  return found;
}

/** The code of a file, comments removed, so that prose about Node APIs does not count. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

function filesIn(dir: URL, extension: string): { name: string; text: string }[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(extension) && (extension === '.d.ts' || !name.endsWith('.d.ts')))
    .map((name) => ({ name, text: withoutComments(readFileSync(new URL(name, dir), 'utf8')) }));
}

const nodeOnly = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

describe('@jwtgate/client runs in a browser', () => {
  const sources = filesIn(sourceDir, '.ts');
  const compiled = filesIn(distDir, '.js');
  const declarations = filesIn(distDir, '.d.ts');

  it('has sources and a build to check', () => {
    expect(sources.map((f) => f.name)).toContain('create-client.ts');
    expect(compiled.map((f) => f.name)).toContain('create-client.js');
  });

  it('finds an import of a Node module when there is one (the check itself works)', () => {
    const planted =
      "import { readFileSync } from 'node:fs';\nexport * from 'crypto';\nconst x = await import('node:path');";
    expect(importsOf(planted).map((i) => i.specifier)).toEqual(['node:fs', 'crypto', 'node:path']);
    expect(importsOf(planted).every((i) => nodeOnly.has(i.specifier))).toBe(true);
  });

  it.each([...sources.map((f) => ['src', f.name, f] as const), ...compiled.map((f) => ['dist', f.name, f] as const)])(
    'imports no Node module in %s/%s',
    (_where, _name, file) => {
      for (const { specifier } of importsOf(file.text)) {
        expect(nodeOnly.has(specifier), `${file.name} imports ${specifier}`).toBe(false);
      }
      expect(file.text).not.toMatch(/\bBuffer\b|\bprocess\.|\brequire\(/);
    },
  );

  it('imports nothing outside itself, not even types, so its declarations stand alone once installed', () => {
    for (const file of sources) {
      for (const { specifier } of importsOf(file.text)) expect(specifier, file.name).toMatch(/^\.\//);
    }
    for (const file of [...compiled, ...declarations]) {
      for (const { specifier } of importsOf(file.text)) expect(specifier, file.name).toMatch(/^\.\//);
    }
    expect(declarations.map((f) => f.name)).toContain('index.d.ts');
  });

  it('compiles against the DOM library without Node types, so a Node API cannot slip in', () => {
    const config = JSON.parse(readFileSync(new URL('tsconfig.json', packageDir), 'utf8'));
    expect(config.compilerOptions.lib).toEqual(['ES2023', 'DOM']);
    expect(config.compilerOptions.types).toEqual([]);
  });
});
