import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { absolutePath, childEnv } from '../../../server/process/env';

const PARLEY_ENV = {
  PATH: '/usr/local/bin:/usr/bin',
  HOME: '/home/u',
  LANG: 'C.UTF-8',
  ANTHROPIC_API_KEY: 'sk-ant-x',
  OPENAI_API_KEY: 'sk-x',
  DEEPGRAM_API_KEY: 'k',
  NODE_OPTIONS: '--inspect',
  ELECTRON_RUN_AS_NODE: '1',
  XDG_RUNTIME_DIR: '/run/user/1000',
  XDG_CONFIG_HOME: '/home/u/.config',
  LD_LIBRARY_PATH: '/opt/ps/lib',
};

describe('child process environment', () => {
  it('gives each purpose the base variables and its own, never a key or a loader flag', () => {
    assert.deepEqual(childEnv('speech', PARLEY_ENV, {}, 'linux'), {
      PATH: '/usr/local/bin:/usr/bin',
      HOME: '/home/u',
      LANG: 'C.UTF-8',
      LD_LIBRARY_PATH: '/opt/ps/lib',
    });
    assert.deepEqual(childEnv('audio', PARLEY_ENV, {}, 'linux'), {
      PATH: '/usr/local/bin:/usr/bin',
      HOME: '/home/u',
      LANG: 'C.UTF-8',
      XDG_RUNTIME_DIR: '/run/user/1000',
    });
    assert.deepEqual(childEnv('git', PARLEY_ENV, {}, 'linux'), {
      PATH: '/usr/local/bin:/usr/bin',
      HOME: '/home/u',
      LANG: 'C.UTF-8',
      XDG_CONFIG_HOME: '/home/u/.config',
    });
  });

  it('drops secret-named extra variables a caller adds', () => {
    const env = childEnv('speech', PARLEY_ENV, { PARLEY_TTS_TEXT: '/tmp/t.txt', GITHUB_TOKEN: 'ghp_x', DB_PASSWORD: 'p' }, 'linux');
    assert.equal(env.PARLEY_TTS_TEXT, '/tmp/t.txt');
    assert.equal(env.GITHUB_TOKEN, undefined);
    assert.equal(env.DB_PASSWORD, undefined);
  });

  it('takes relative entries out of PATH, so a workspace cannot plant a program Parley runs', () => {
    assert.equal(absolutePath('.:/usr/bin::bin:/bin'), '/usr/bin:/bin');
    assert.equal(childEnv('git', { PATH: '.:/usr/bin' }, {}, 'linux').PATH, '/usr/bin');
  });

  it('keeps what Windows needs to start a program', () => {
    const env = childEnv('speech', { ...PARLEY_ENV, SystemRoot: 'C:\\Windows', PATHEXT: '.EXE' }, {}, 'win32');
    assert.equal(env.SystemRoot, 'C:\\Windows');
    assert.equal(env.PATHEXT, '.EXE');
  });
});
