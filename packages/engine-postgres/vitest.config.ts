import { rotakitProject } from '../../vitest.project.js';

export default rotakitProject();
