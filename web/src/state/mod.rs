//! Client-side state: the domain model, the chat store fed by server events, and the
//! session. Nothing in here touches the browser, so it is unit-tested on the host.

pub mod dates;
pub mod layout;
pub mod live;
pub mod media;
pub mod model;
pub mod session;
pub mod store;
pub mod time;
mod timeline;
pub mod uploads;
pub mod window;

pub use live::{LiveAction, LiveState, NotificationItem, NotificationKind};
pub use model::{
    Attachment, AttachmentKind, ConnectionState, ConversationEvent, ConversationKind, ConversationMeta,
    ConversationSummary, Delivery, EventPayload, HistoryPage, Message, ReactionGroup, ReplyPreview, Role,
    UserRef,
};
pub use store::{apply_event, ChatAction, ChatState};
pub use timeline::Timeline;
