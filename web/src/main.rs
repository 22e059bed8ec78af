//! Browser entry point of the Jeco Chat web app.

fn main() {
    jeco_web::run();
}
