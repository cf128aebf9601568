//! Defines a small domain from XML and starts it.
//!
//! `cargo run -p rvirt --example define_and_start`

const XML: &str = "<domain type='test'>
  <name>example</name>
  <memory unit='MiB'>256</memory>
  <os><type>hvm</type></os>
</domain>";

fn main() -> Result<(), rvirt::Error> {
    let conn = rvirt::Connect::open(Some("test:///default"))?;
    let mut dom = conn.domain_define_xml(XML, 0)?;
    println!("defined {} ({})", dom.name(), dom.uuid_string());
    dom.create(0)?;
    let info = dom.info()?;
    println!(
        "started with id {:?}: {} KiB, {} vCPU",
        dom.id(),
        info.memory,
        info.nr_virt_cpu
    );
    println!("{}", dom.xml_desc(0)?);
    Ok(())
}
