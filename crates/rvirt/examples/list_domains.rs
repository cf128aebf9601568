//! Lists the domains of a connection, like `virsh list --all`.
//!
//! `cargo run -p rvirt --example list_domains -- test:///default`

fn main() -> Result<(), rvirt::Error> {
    let uri = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "test:///default".to_string());
    let conn = rvirt::Connect::open(Some(&uri))?;
    for dom in conn.list_all_domains(0)? {
        let (state, _reason) = dom.state()?;
        let id = dom.id().map_or("-".to_string(), |i| i.to_string());
        println!("{id:>4}  {:<20} {}", dom.name(), state.as_str());
    }
    Ok(())
}
