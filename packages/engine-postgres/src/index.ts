export { isPostgresEngine, POSTGRES_DEFAULT_DATABASE, POSTGRES_DEFAULT_PORT, POSTGRES_ENGINES } from './defaults.js';
