export {
  defaultDatabaseOf,
  defaultPortOf,
  ENGINES,
  type Engine,
  type EngineFacts,
  engineNamed,
  engineOf,
} from './engine.js';
export type { DatabaseErrorMeaning } from './meaning.js';
