//! Typed GraphQL operations generated from `graphql/schema.graphql` and the files in
//! `graphql/operations/`: if the schema moves under them, this crate stops compiling.
// Generated code: its items carry no docs and are not ours to lint.
#![allow(missing_docs, clippy::all)]

use graphql_client::GraphQLQuery;

/// The `DateTime` scalar: an RFC 3339 string.
pub type DateTime = String;

// The derive does not track the schema file; including it makes cargo rebuild on change.
const _SCHEMA: &str = include_str!("../../../graphql/schema.graphql");

/// Creates an account and logs in.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/Register.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct Register;

/// Logs in.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/Login.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct Login;

/// Exchanges the refresh cookie for a new access token.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/RefreshSession.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct RefreshSession;

/// Revokes the session.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/Logout.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct Logout;

/// Cursor at the head of the event log.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/EventCursor.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct EventCursor;

/// The viewer's conversations.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/Conversations.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct Conversations;

/// Public room search.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/PublicRooms.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct PublicRooms;

/// A conversation with one page of messages.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/ConversationHistory.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct ConversationHistory;

/// A conversation's header data.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/ConversationInfo.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct ConversationInfo;

/// Creates a room.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/CreateRoom.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct CreateRoom;

/// Joins a public room.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/JoinRoom.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct JoinRoom;

/// Sends a message (idempotent by client id).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/SendMessage.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct SendMessage;

/// The viewer-wide event stream.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/ConversationEvents.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct ConversationEvents;

/// Moves the viewer's read position forward.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/MarkRead.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct MarkRead;

/// Users by username or display name substring.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/SearchUsers.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct SearchUsers;

/// The viewer's contacts.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/Contacts.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct Contacts;

/// Adds a contact.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/AddContact.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct AddContact;

/// Removes a contact.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/RemoveContact.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct RemoveContact;

/// Blocks a user.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/BlockUser.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct BlockUser;

/// Unblocks a user.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/UnblockUser.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct UnblockUser;

/// Opens (or creates) the direct conversation with a user.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/OpenDirectConversation.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct OpenDirectConversation;

/// A conversation's members and the viewer's role.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/Members.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct Members;

/// Adds a user to a room.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/InviteToRoom.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct InviteToRoom;

/// Removes a member from a room.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/RemoveMember.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct RemoveMember;

/// Leaves a room.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/LeaveRoom.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct LeaveRoom;

/// Signals that the viewer is typing (or stopped).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/SetTyping.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct SetTyping;

/// Who is typing in one conversation.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/Typing.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct Typing;

/// Online state of contacts and co-members.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/Presence.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct Presence;

/// The newest notifications and the unread count.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/Notifications.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct Notifications;

/// New notifications, resumable after a cursor.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/NotificationStream.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct NotificationStream;

/// Marks notifications read.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/MarkNotificationsRead.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct MarkNotificationsRead;

/// Edits one of the viewer's messages.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/EditMessage.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct EditMessage;

/// Deletes a message (leaves a tombstone).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/DeleteMessage.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct DeleteMessage;

/// Adds or removes the viewer's reaction.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/ToggleReaction.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct ToggleReaction;

/// Pins a message.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/PinMessage.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct PinMessage;

/// Unpins a message.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/UnpinMessage.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct UnpinMessage;

/// Full-text search over the viewer's conversations.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/SearchMessages.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct SearchMessages;

/// The logged-in user's own profile.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/Viewer.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct Viewer;

/// Changes display name and bio.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/UpdateProfile.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct UpdateProfile;

/// Changes the password (other sessions end).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/ChangePassword.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct ChangePassword;

/// Mails a password reset link.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/RequestPasswordReset.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct RequestPasswordReset;

/// Sets a new password with a reset token.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/ResetPassword.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct ResetPassword;

/// The viewer's personal access tokens.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/AccessTokens.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct AccessTokens;

/// Creates a personal access token.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/CreateAccessToken.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct CreateAccessToken;

/// Revokes a personal access token.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/RevokeAccessToken.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct RevokeAccessToken;

/// Deletes the viewer's account.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/DeleteAccount.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct DeleteAccount;

/// Changes a room's name, topic or pin policy (owners and admins).
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "../graphql/schema.graphql",
    query_path = "../graphql/operations/UpdateRoom.graphql",
    response_derives = "Debug, Clone, PartialEq",
    variables_derives = "Debug, Clone",
    skip_serializing_none,
    fragments_other_variant = "true"
)]
pub struct UpdateRoom;
