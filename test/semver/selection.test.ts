// How an OCIRepository with ref.semver picks its tag, told through the cases
// people trip over (facts c.3, pitfall P4). The differential test proves
// agreement with Go at scale; these read as documentation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { semver } = createRequire(import.meta.url)(path.join(root, 'dist', 'domain.js'));
const pick = (tags: string[], range: string, opts = {}): string | undefined => {
  const r = semver.selectSemverTag(tags, range, opts);
  return r.ok ? r.tag : undefined;
};

test('prereleases are invisible unless the AND group names one; -0 is the idiom to include them', () => {
  const tags = ['1.0.0', '1.0.1-rc.1', '1.1.0-rc.1'];
  assert.equal(pick(tags, '>=1.0.0'), '1.0.0');
  assert.equal(pick(tags, '>=1.0.0-0'), '1.1.0-rc.1', 'Masterminds admits any prerelease once the group has one (node-semver would not)');
  assert.equal(pick(tags, '1.0.x-0'), '1.0.1-rc.1');
  assert.equal(pick(['1.0.0', '2.0.0-beta.1'], '>=1.0.0-0 || >=2'), '2.0.0-beta.1');
  assert.equal(pick(['1.0.0', '2.0.0-beta.1'], '>=1 || >=2.0.0-0'), '2.0.0-beta.1');
  assert.equal(pick(['1.0.0', '2.0.0-beta.1'], '>=1 || <0.0.1-0'), '1.0.0', 'a prerelease in another OR group does not help');
});

test('tags need three dot-separated parts; the original tag text is returned, v prefix and all', () => {
  assert.equal(pick(['v1', '1.2', 'latest', 'v1.2.3', '1.2.3.4'], '*'), 'v1.2.3');
  assert.equal(pick(['v1.9.0', '1.10.0'], '~1.9'), 'v1.9.0');
});

test('semverFilter runs first as an unanchored Go RE2 match on the tag', () => {
  const tags = ['1.0.0', '1.1.0-rc.1', '1.1.0-dev.3'];
  assert.equal(pick(tags, '>=1.0.0-0', { filter: '-rc\\.' }), '1.1.0-rc.1');
  const bad = semver.selectSemverTag(tags, '>=1.0.0-0', { filter: '(?!dev)' });
  assert.equal(bad.ok, false);
  assert.equal(bad.reason, 'invalid-filter');
});

test('Helm chart tags spell semver + as _, and the chosen tag is spelled back the same way', () => {
  assert.equal(pick(['0.1.0_build.1', '0.2.0_build.1', '0.3.0-rc.1'], '<0.3.0', { helmUnderscore: true }), '0.2.0_build.1');
});

test('errors say what Flux would say', () => {
  const r = semver.selectSemverTag(['1.0.0'], '>= 1.0 && < 2');
  assert.equal(r.ok, false);
  assert.match(r.message, /^semver '>= 1.0 && < 2' parse error: improper constraint/);
  assert.equal(semver.selectSemverTag(['1.0.0'], '>=2').message, 'no match found for semver: >=2');
});
