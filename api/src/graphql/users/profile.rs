//! Profile, password and account-deletion mutations.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, SimpleObject, ID};

use super::UserNode;
use crate::error::UserError;
use crate::events::PublicUser;
use crate::graphql::{info, ok_payload, split, state, viewer};
use crate::ids;
use crate::services::profile;
use jeco_schema::ids::AttachmentId;

/// Result of changePassword.
#[derive(SimpleObject)]
pub struct ChangePasswordPayload {
    /// Whether the password was changed (other sessions were ended).
    ok: bool,
    /// Expected failures.
    user_errors: Vec<UserError>,
}

/// Result of requestPasswordReset.
#[derive(SimpleObject)]
pub struct RequestPasswordResetPayload {
    /// Always true for a well-formed address, registered or not.
    ok: bool,
    /// Expected failures (malformed address, rate limit).
    user_errors: Vec<UserError>,
}

/// Result of resetPassword.
#[derive(SimpleObject)]
pub struct ResetPasswordPayload {
    /// Whether the password was set (every session was ended; log in again).
    ok: bool,
    /// Expected failures.
    user_errors: Vec<UserError>,
}

/// Result of deleteAccount.
#[derive(SimpleObject)]
pub struct DeleteAccountPayload {
    /// Whether the account was deleted.
    ok: bool,
    /// Expected failures.
    user_errors: Vec<UserError>,
}

/// Result of updateProfile.
#[derive(SimpleObject)]
pub struct UpdateProfilePayload {
    /// The viewer, updated.
    user: Option<UserNode>,
    /// Expected failures.
    user_errors: Vec<UserError>,
}

/// Input of updateProfile (omitted fields keep their value).
#[derive(InputObject)]
pub struct UpdateProfileInput {
    /// 1–64 characters.
    display_name: Option<String>,
    /// Up to 500 characters; empty clears it.
    bio: Option<String>,
    /// The viewer's finished AVATAR upload; null removes the avatar.
    avatar_id: MaybeUndefined<ID>,
}

/// Input of changePassword.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    /// The password now.
    current_password: String,
    /// 8–128 characters.
    new_password: String,
}

/// Input of requestPasswordReset.
#[derive(InputObject)]
pub struct RequestPasswordResetInput {
    /// The account's email.
    email: String,
}

/// Input of resetPassword.
#[derive(InputObject)]
pub struct ResetPasswordInput {
    /// The token from the mailed link.
    token: String,
    /// 8–128 characters.
    new_password: String,
}

/// Input of deleteAccount.
#[derive(InputObject)]
pub struct DeleteAccountInput {
    /// The current password, to confirm.
    password: String,
}

/// Profile and account mutations.
#[derive(Default)]
pub struct ProfileMutation;

#[Object]
impl ProfileMutation {
    /// Changes the viewer's display name, bio and avatar.
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        input: UpdateProfileInput,
    ) -> async_graphql::Result<UpdateProfilePayload> {
        let avatar = match &input.avatar_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            // An id that is not an attachment's is refused like someone else's upload.
            MaybeUndefined::Value(id) => {
                Some(Some(ids::decode::<AttachmentId>(id).unwrap_or(AttachmentId(0))))
            }
        };
        let result = profile::update_profile(
            state(ctx),
            viewer(ctx),
            input.display_name.as_deref(),
            input.bio.as_deref(),
            avatar,
        )
        .await;
        let (user, user_errors) = split(result)?;
        Ok(UpdateProfilePayload {
            user: user.map(|u| UserNode { user: PublicUser::from(&u), email: Some(u.email.clone()) }),
            user_errors,
        })
    }

    /// Changes the viewer's password; every other session is ended.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> async_graphql::Result<ChangePasswordPayload> {
        let result = profile::change_password(
            state(ctx),
            &info(ctx).ip,
            viewer(ctx),
            &input.current_password,
            &input.new_password,
        )
        .await;
        let (ok, user_errors) = ok_payload(result)?;
        Ok(ChangePasswordPayload { ok, user_errors })
    }

    /// Mails a reset link if the address is registered (same answer either way).
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        input: RequestPasswordResetInput,
    ) -> async_graphql::Result<RequestPasswordResetPayload> {
        let result = profile::request_password_reset(state(ctx), &info(ctx).ip, &input.email).await;
        let (ok, user_errors) = ok_payload(result)?;
        Ok(RequestPasswordResetPayload { ok, user_errors })
    }

    /// Sets a new password with a mailed reset token (single use, one hour).
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        input: ResetPasswordInput,
    ) -> async_graphql::Result<ResetPasswordPayload> {
        let result =
            profile::reset_password(state(ctx), &info(ctx).ip, &input.token, &input.new_password).await;
        let (ok, user_errors) = ok_payload(result)?;
        Ok(ResetPasswordPayload { ok, user_errors })
    }

    /// Deletes the viewer's account (password required). Messages stay, shown
    /// as from "Deleted user".
    async fn delete_account(
        &self,
        ctx: &Context<'_>,
        input: DeleteAccountInput,
    ) -> async_graphql::Result<DeleteAccountPayload> {
        let result = profile::delete_account(state(ctx), viewer(ctx), &input.password).await;
        let (ok, user_errors) = ok_payload(result)?;
        Ok(DeleteAccountPayload { ok, user_errors })
    }
}
