//! GraphQL over HTTP: `POST /graphql` on the same origin, bearer token when logged in,
//! cookies included so the HttpOnly refresh cookie reaches `/graphql`.

use gloo::net::http::Request;
use graphql_client::{GraphQLQuery, Response};
use web_sys::RequestCredentials;

use super::auth;
use super::error::ApiError;

/// Endpoint for queries and mutations.
pub const GRAPHQL_PATH: &str = "/graphql";

/// Runs an operation with the current access token (refreshed first if about to expire).
pub async fn execute<Q: GraphQLQuery>(variables: Q::Variables) -> Result<Q::ResponseData, ApiError> {
    let token = auth::valid_token().await;
    let result = execute_with_token::<Q>(variables, token.as_deref()).await;
    if let Err(ApiError::Http(401)) = &result {
        auth::session_lost();
    }
    result
}

/// Runs an operation with an explicit token (or none): used by the auth calls.
pub async fn execute_with_token<Q: GraphQLQuery>(
    variables: Q::Variables,
    token: Option<&str>,
) -> Result<Q::ResponseData, ApiError> {
    let body = Q::build_query(variables);
    let mut request = Request::post(GRAPHQL_PATH)
        .credentials(RequestCredentials::SameOrigin)
        .header("Accept", "application/json");
    if let Some(token) = token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let request = request.json(&body).map_err(|e| ApiError::Decode(e.to_string()))?;
    let response = request.send().await.map_err(|e| ApiError::Network(e.to_string()))?;
    let status = response.status();
    let parsed: Result<Response<Q::ResponseData>, _> = response.json().await;
    match parsed {
        Ok(answer) => into_result(answer, status),
        Err(_) if !(200..300).contains(&status) => Err(ApiError::Http(status)),
        Err(e) => Err(ApiError::Decode(e.to_string())),
    }
}

/// The data of a GraphQL answer, or its errors (partial data is treated as an error).
pub fn into_result<T>(answer: Response<T>, status: u16) -> Result<T, ApiError> {
    let messages: Vec<String> = answer.errors.unwrap_or_default().into_iter().map(|e| e.message).collect();
    if !messages.is_empty() {
        return Err(ApiError::Graphql(messages));
    }
    answer.data.ok_or(ApiError::Http(status))
}
