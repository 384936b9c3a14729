// esbuild replaces PARLEY_VERSION with package.json's version; sources run by tests get 'dev'.
declare const PARLEY_VERSION: string | undefined;

export const parleyVersion: string = typeof PARLEY_VERSION === 'string' ? PARLEY_VERSION : 'dev';
