export { type NetworkErrorMeaning, networkErrorMeaning } from './codes.js';
