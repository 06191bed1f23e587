//! Valid rows (+ org state) → ordered UMAPI commands → request batches; plan files. Pure: no I/O.
