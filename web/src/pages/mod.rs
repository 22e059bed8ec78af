//! One component per route.

mod auth_forms;
mod avatar_section;
mod chat;
mod home;
mod not_found;
mod password_reset;
mod people;
mod profile;
mod rooms;
mod search;

pub use auth_forms::{LoginPage, RegisterPage};
pub use chat::ChatPage;
pub use home::HomePage;
pub use not_found::NotFoundPage;
pub use password_reset::{ForgotPasswordPage, ResetPasswordPage, RESET_SENT};
pub use people::PeoplePage;
pub use profile::ProfilePage;
pub use rooms::RoomsPage;
pub use search::SearchPage;
