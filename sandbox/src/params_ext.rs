//! Typed reading of request parameters, with the API's error codes for bad values.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use voximplant::{validation, wire, ErrorCode};

use crate::{api_error::ApiError, request::Params};

impl Params {
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_string)
    }

    pub fn required(&self, name: &str) -> Result<String, ApiError> {
        self.text(name).ok_or_else(|| ApiError::required(name))
    }

    pub fn flag(&self, name: &str) -> Result<Option<bool>, ApiError> {
        self.get(name)
            .map(|text| wire::parse_bool(text).ok_or_else(|| ApiError::invalid_param(ErrorCode::InvalidArguments, name)))
            .transpose()
    }

    pub fn number(&self, name: &str) -> Result<Option<u64>, ApiError> {
        self.get(name)
            .map(|text| text.parse::<u64>().map_err(|_| ApiError::invalid_param(ErrorCode::InvalidArguments, name)))
            .transpose()
    }

    pub fn amount(&self, name: &str) -> Result<Option<Decimal>, ApiError> {
        self.get(name).map(|text| validation::amount(name, text).map_err(ApiError::from)).transpose()
    }

    pub fn date(&self, name: &str) -> Result<Option<NaiveDate>, ApiError> {
        // Node and PHP send `YYYY-MM-DD HH:MM:SS` for dates: take the date part.
        self.get(name)
            .map(|text| {
                wire::parse_timestamp(text)
                    .map(|ts| ts.date_naive())
                    .ok_or_else(|| ApiError::invalid_param(ErrorCode::InvalidDateFormat, name))
            })
            .transpose()
    }

    pub fn id_selection(&self, name: &str, invalid: ErrorCode) -> Result<Option<wire::Selection<u64>>, ApiError> {
        self.get(name)
            .map(|text| wire::Selection::<u64>::parse(text).map_err(|_| ApiError::invalid_param(invalid, name)))
            .transpose()
    }

    pub fn list(&self, name: &str) -> Option<Vec<String>> {
        self.get(name).map(|text| wire::split_list::<String>(text).unwrap_or_default())
    }

    pub fn id_list(&self, name: &str, invalid: ErrorCode) -> Result<Option<Vec<u64>>, ApiError> {
        self.get(name)
            .map(|text| wire::split_list::<u64>(text).map_err(|_| ApiError::invalid_param(invalid, name)))
            .transpose()
    }

    /// Exactly one of the alternatives (`phone_id | phone_number`): its name.
    pub fn one_of(&self, names: &[&'static str]) -> Result<&'static str, ApiError> {
        let fields: Vec<(&str, bool)> = names.iter().map(|n| (*n, self.has(n))).collect();
        validation::exactly_one_of(&fields)?;
        Ok(names.iter().copied().find(|n| self.has(n)).expect("exactly one is present"))
    }
}
