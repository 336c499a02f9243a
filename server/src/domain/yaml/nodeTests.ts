/**
 * eemeli/yaml's node tests, read once. The package is CommonJS, so in the bundle an
 * `import { isMap } from 'yaml'` reaches it through a property getter at every call; these
 * run for every node of every document checked (the getters were about a tenth of checking
 * a 2,000-document file). Hot paths import them from here.
 */
import * as yaml from 'yaml';

export const isAlias: typeof yaml.isAlias = yaml.isAlias;
export const isCollection: typeof yaml.isCollection = yaml.isCollection;
export const isMap: typeof yaml.isMap = yaml.isMap;
export const isPair: typeof yaml.isPair = yaml.isPair;
export const isScalar: typeof yaml.isScalar = yaml.isScalar;
export const isSeq: typeof yaml.isSeq = yaml.isSeq;
