//! `LOCATION` ★: location reporting.

use serde::{Deserialize, Serialize};

use crate::xml::{Fields, XmlError};

/// A location report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReportLocation {
    /// `Latitude`.
    pub latitude: f64,
    /// `Longitude`.
    pub longitude: f64,
    /// `Precision`.
    pub precision: Option<f64>,
}

impl ReportLocation {
    pub(crate) fn from_fields(raw: &impl Fields) -> Result<Self, XmlError> {
        Ok(Self {
            latitude: raw
                .parse_of("Latitude")?
                .ok_or(XmlError::Missing("Latitude"))?,
            longitude: raw
                .parse_of("Longitude")?
                .ok_or(XmlError::Missing("Longitude"))?,
            precision: raw.parse_of("Precision")?,
        })
    }
}
