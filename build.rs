// `sqlx::migrate!` embeds the migrations when the app compiles: a new or changed migration
// must compile it again, even when no Rust file changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
