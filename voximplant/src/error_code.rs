//! The API's error codes that matter to the Accounts methods, with their names from
//! the official clients' table. Unknown codes are kept as numbers.

use serde::{Deserialize, Serialize};

macro_rules! error_codes {
    ($($variant:ident = $code:literal => $meaning:literal),+ $(,)?) => {
        /// A Management API error code (`{"error":{"code":…,"msg":…}}`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($variant,)+
            Other(u32),
        }

        impl ErrorCode {
            pub fn from_code(code: u32) -> Self {
                match code {
                    $($code => ErrorCode::$variant,)+
                    other => ErrorCode::Other(other),
                }
            }

            pub fn code(self) -> u32 {
                match self {
                    $(ErrorCode::$variant => $code,)+
                    ErrorCode::Other(code) => code,
                }
            }

            /// What the code means, in the words of the API's documentation.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $meaning,)+
                    ErrorCode::Other(_) => "Unknown error",
                }
            }
        }
    };
}

error_codes! {
    FatalError = 1 => "Fatal error.",
    InternalError = 2 => "Internal error.",
    DbError = 4 => "Database error.",
    BillingError = 5 => "Billing failed.",
    AuthorizationFailed = 100 => "Authorization failed.",
    InvalidArguments = 101 => "Invalid arguments.",
    MissingCmd = 102 => "The 'cmd' parameter is missing.",
    UnknownCommand = 103 => "Unknown command.",
    ForbiddenCommand = 104 => "The command is not allowed.",
    AccountNameAlreadyUsed = 106 => "The account name is already used.",
    InvalidPlan = 110 => "Invalid plan.",
    InvalidDateFormat = 111 => "Invalid date format.",
    PasswordLength = 112 => "The password is too short.",
    AccountNameLength = 113 => "The account name must be 5 to 20 characters long.",
    AccountNameInitialLetter = 114 => "The account name must start with a letter and contain only lowercase latin letters, digits and hyphens.",
    InvalidAccountId = 115 => "Invalid account_id.",
    InvalidDateRange = 123 => "Invalid date range.",
    InvalidMoneyAmount = 125 => "Invalid money amount.",
    InsufficientMoney = 127 => "Insufficient funds.",
    AccountEmailNotUnique = 128 => "The account email is already used.",
    AccountNotActivated = 131 => "The account is not activated.",
    RequiredIsEmpty = 134 => "A required parameter is empty.",
    InvalidEmail = 136 => "Invalid email.",
    AccountFirstNameTooLong = 163 => "The first name must be shorter than 50 characters.",
    AccountLastNameTooLong = 164 => "The last name must be shorter than 50 characters.",
    InvalidParentAccountId = 177 => "Invalid parent_account_id.",
    InvalidPhoneId = 181 => "Invalid phone_id.",
    InvalidChildAccountId = 194 => "Invalid child_account_id.",
    InvalidChildAccountName = 198 => "Invalid child_account_name.",
    InvalidChildAccountEmail = 199 => "Invalid child_account_email.",
    InvalidNewChildAccountEmail = 201 => "Invalid new_child_account_email.",
    InvalidLanguageCode = 202 => "Invalid language_code.",
    InvalidBillingAddressCountryCode = 204 => "Invalid billing_address_country_code.",
    BillingAddressNameTooLong = 205 => "billing_address_name must be shorter than 200 characters.",
    BillingAddressAddressTooLong = 206 => "billing_address_address must be shorter than 512 characters.",
    BillingAddressZipTooLong = 207 => "billing_address_zip must be shorter than 30 characters.",
    BillingAddressPhoneTooLong = 208 => "billing_address_phone must be shorter than 30 characters.",
    InvalidCurrency = 210 => "Invalid currency.",
    AccountCustomDataTooLong = 211 => "account_custom_data must be shorter than 8192 characters.",
    InvalidDate = 233 => "Invalid date.",
    InvalidSubscriptionTemplateId = 244 => "Invalid subscription_template_id.",
    InvalidSubscriptionTemplateName = 245 => "Invalid subscription_template_name.",
    InvalidSubscriptionTemplateType = 246 => "Invalid subscription_template_type.",
    InvalidVerificationName = 324 => "Invalid verification_name.",
    InvalidVerificationStatus = 326 => "Invalid verification_status.",
    RateLimitExceeded = 340 => "Rate limit exceeded.",
    AccountPlanChangeForbidden = 379 => "The plan change is forbidden.",
    InvalidRecordStorageId = 396 => "Invalid record_storage_id.",
    ChildAccountDailyLimit = 397 => "The daily limit of new child accounts is exceeded.",
    InvalidCallbackUrl = 398 => "Invalid callback_url.",
    CallbackSaltInvalid = 399 => "callback_salt must be shorter than 40 characters.",
    RetryLater = 416 => "Retry later.",
    InvalidPlanType = 426 => "Invalid plan_type.",
    InvalidResourceType = 429 => "Invalid resource_type.",
    InvalidPriceGroupName = 430 => "Invalid price_group_name.",
    InvalidKeyId = 433 => "Invalid key id.",
    InvalidTokenFormat = 447 => "Invalid token format.",
    InvalidTokenTtl = 454 => "The token lifetime is too long.",
    TokenIssuedInFuture = 455 => "The token is issued in the future.",
    TokenExpired = 456 => "The token has expired.",
    OnlyOneOfParameters = 458 => "Only one of the parameters may be given.",
    RequiredCharactersNewPassword = 464 => "The password lacks required characters.",
    InvalidBillingAddressStateLength = 466 => "billing_address_state is too long.",
    ParameterCantBeEmpty = 485 => "A parameter must be specified.",
    PasswordTooWeak = 523 => "The password is too weak.",
    WhitespacesNotAllowed = 524 => "Whitespace is not allowed.",
}

/// The body of an API error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub code: u32,
    pub msg: String,
}

impl ApiErrorBody {
    pub fn new(code: ErrorCode, msg: impl Into<String>) -> Self {
        ApiErrorBody { code: code.code(), msg: msg.into() }
    }

    pub fn kind(&self) -> ErrorCode {
        ErrorCode::from_code(self.code)
    }
}

impl std::fmt::Display for ApiErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (code {})", self.msg, self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_survive() {
        for code in [100, 101, 103, 106, 113, 114, 128, 136, 194, 202, 204, 340, 433, 447, 454, 455, 456, 458, 485] {
            let kind = ErrorCode::from_code(code);
            assert!(!matches!(kind, ErrorCode::Other(_)), "{code} has no name");
            assert_eq!(kind.code(), code);
        }
        assert_eq!(ErrorCode::from_code(9999), ErrorCode::Other(9999));
        assert_eq!(ErrorCode::from_code(9999).code(), 9999);
    }
}
