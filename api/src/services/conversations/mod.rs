//! Rooms and membership: creating and changing rooms ([`rooms`]), and who is
//! in them ([`membership`]). Both write through [`crate::tx`].

mod membership;
mod rooms;

pub(crate) use membership::depart;
pub use membership::{invite, join_room, leave_room, remove_member, set_role};
pub use rooms::{create_room, update_room};
