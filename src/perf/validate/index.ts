// Validation of the at-scale model against published measurements (docs/validation.md).
export { loadMeasurements, MEASUREMENTS_FILE, type Measurement, type MeasurementFile, type CaseKind, type SourceKind } from './measurements.js';
export { calibrate, type Calibration } from './calibrate.js';
export { predict, type Prediction } from './predict.js';
export { validate, formatValidation, type Validation, type ValidationRow } from './table.js';
