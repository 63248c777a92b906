// Lint rules: type-aware typescript-eslint, chosen for the bugs they catch in this code base.
// Formatting is Prettier's (npm run format:check); nothing here is about layout.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'demo/page/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits loses its error and its ordering: every one is awaited, returned,
      // or marked `void` where running in the background is the point (answers after Slack's ack).
      '@typescript-eslint/no-floating-promises': 'error',
      // An async function where a callback's result is ignored (setInterval, EventEmitter, Array
      // predicates) silently drops rejections and reorders work.
      '@typescript-eslint/no-misused-promises': 'error',
      // `await` on something that is not a promise usually means a wrong type.
      '@typescript-eslint/await-thenable': 'error',
      // Errors thrown must be Errors (stack traces, `instanceof` checks in the core).
      '@typescript-eslint/only-throw-error': 'error',
      // `x!` where x is never null hides a wrong type; where it can be, it is a claim worth reading.
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      // Conditions that are always true or false are dead code or a misunderstood type.
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      // Strict booleans where they catch bugs: a *nullable* number in a condition conflates "absent"
      // with 0 (a fence token, a size, a count that may be zero), so those are written out.
      // `if (list.length)` and strings stay idiomatic.
      '@typescript-eslint/strict-boolean-expressions': [
        'error',
        {
          allowString: true,
          allowNumber: true,
          allowNullableNumber: false,
          allowNullableObject: true,
          allowNullableBoolean: true,
          allowNullableString: true,
          allowAny: true,
        },
      ],
      // `switch` over a union must handle every member (new Dify event kinds, app types).
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Slack payloads and config files are `any` at the edge and parsed with zod right there.
      '@typescript-eslint/no-explicit-any': 'off',
      // Unused names are the compiler's job (noUnusedLocals, noUnusedParameters); `_x` marks the intended ones.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Empty catch blocks are fine where a comment says why the error is not wanted.
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
