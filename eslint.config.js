// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

/**
 * The layering rule of design.md, enforced the way VS Code enforces its
 * layers: by what each runtime folder may import.
 *   shared/          no Node, no Electron, nothing from electron/ or renderer/
 *   renderer/        no Node, no Electron, nothing from electron/
 *   electron/core/   never 'electron', nothing from main/, preload/, server/, cli/, renderer/
 *   electron/preload only 'electron' and shared/
 * and inside the core, its inner layers:
 *   electron/core/hypervisor/  nothing from lab/, api/, engine/, steps/ (lab uses the drivers, not the reverse)
 *   electron/core/engine/      nothing from api/ (the API is the door onto the engine)
 */
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const noNode = { paths: nodeBuiltins.map((name) => ({ name, message: 'This layer runs without Node: no Node built-ins here.' })) };
const noElectronPaths = [
  { name: 'electron', message: 'Only electron/main and electron/preload may import electron.' },
  { name: 'electron/main', message: 'Only electron/main may import electron.' },
  { name: 'electron/renderer', message: 'Only electron/preload may import electron.' },
];

const corePatterns = [
  { group: ['**/main/**', '**/preload/**', '**/server/**', '**/cli/**', '**/renderer/**'], message: 'electron/core is plain Node: it never imports Electron, the doors, or the UI.' },
];
/** A folder and everything in it, whether imported as `../x` or `../x/y`. */
const folders = (...names) => names.flatMap((n) => [`**/${n}`, `**/${n}/**`]);

export default tseslint.config(
  { ignores: ['node_modules/**', '.vite/**', 'out/**', 'dist/**', 'e2e/artifacts/**', 'e2e/results/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['shared/**/*.{ts,tsx}'],
    // Tests run in Node and may use it to check the code (a real /bin/sh, patch(1)).
    ignores: ['**/*.test.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...noNode.paths, ...noElectronPaths],
          patterns: [{ group: ['**/electron/**', '**/renderer/**', 'node:*'], message: 'shared/ imports nothing from electron/ or renderer/, and no Node.' }],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/vite.config.ts', '**/*.test.ts', '**/*.test.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...noNode.paths, ...noElectronPaths],
          patterns: [{ group: ['**/electron/**', 'node:*'], message: 'The renderer talks to the core only through the typed API (window.api).' }],
        },
      ],
    },
  },
  {
    files: ['electron/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: noElectronPaths, patterns: corePatterns }],
    },
  },
  // The blocks below replace the core's rule for their files (flat config takes
  // the last options), so each repeats corePatterns before adding its own.
  {
    files: ['electron/core/hypervisor/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: noElectronPaths,
          patterns: [
            ...corePatterns,
            { group: folders('lab', 'api', 'engine', 'steps'), message: 'A hypervisor driver stands alone: lab/, api/, engine/ and steps/ use it, never the reverse.' },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/core/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: noElectronPaths,
          patterns: [...corePatterns, { group: folders('api'), message: 'The engine does not know its door: electron/core/api imports the engine, never the reverse.' }],
        },
      ],
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: noNode.paths,
          patterns: [{ group: ['**/core/**', '**/main/**', '**/server/**', '**/renderer/**'], message: 'The preload only bridges IPC: it imports electron and shared/ only.' }],
        },
      ],
    },
  },
);
