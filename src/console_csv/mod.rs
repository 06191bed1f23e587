//! Bytes → positioned records: encoding and BOM sniffing, delimiter detection, the header map and
//! row types of the Console's bulk CSV files (SPEC 2.3). No validation rules live here.
