//! Running request batches against UMAPI: concurrency, pacing, cancellation, the journal and
//! resume. Reports progress through an observer trait; never draws on the terminal.
