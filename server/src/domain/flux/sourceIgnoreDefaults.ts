/**
 * Flux's default exclude lists, in one place because the artifact builder and the
 * Bucket lint both need them and they must stay identical to Flux's.
 */

/** flux2 v2.9.4 `excludeOCI`: what `flux push/build/diff artifact` leave out by default. */
export const fluxCliDefaultExcludes: readonly string[] = [
  '.git/',
  '.gitignore',
  '.gitmodules',
  '.gitattributes',
  '*.jpg',
  '*.jpeg',
  '*.gif',
  '*.png',
  '*.wmv',
  '*.flv',
  '*.tar.gz',
  '*.zip',
];

/**
 * pkg/sourceignore defaults: what source-controller leaves out of Git and OCI sources when
 * no ignore pattern is given (Buckets get none of these).
 */
export const sourceControllerDefaultExcludes: readonly string[] = [
  ...fluxCliDefaultExcludes,
  '.github/',
  '.circleci/',
  '.travis.yml',
  '.gitlab-ci.yml',
  'appveyor.yml',
  '.drone.yml',
  'cloudbuild.yaml',
  'codeship-services.yml',
  'codeship-steps.yml',
  '**/.goreleaser.yml',
  '**/.sops.yaml',
  '**/.flux.yaml',
];
