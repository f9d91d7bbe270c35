export {
  isRotationStep,
  ROTATION_STEPS,
  type RotationEvent,
  type RotationStep,
  type RotationStepName,
} from './event.js';
