//! Extractors whose rejections are problems, so a malformed query string or path answers
//! `application/problem+json` like every other failure of the API.

use axum::extract::FromRequestParts;

use crate::rest::problem::Problem;

/// `axum::extract::Query`, rejecting with a `bad-request` problem.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Problem))]
pub struct Query<T>(pub T);
