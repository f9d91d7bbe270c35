export { type ErrorOptions, RotakitError } from './rotakit-error.js';
