//! Conversion of a generated 20,000-component project to metadata format
//! (what every deploy pays before the upload) and back (every retrieve).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sfsync::convert::{mdapi_to_source, source_to_mdapi, Files};
use sfsync::metadata::{resolve_source_paths, Registry};

#[path = "support/project.rs"]
mod project;

fn bench(c: &mut Criterion) {
    let source: Files = project::generate();
    let components = resolve_source_paths(source.keys()).len();
    assert_eq!(
        components,
        project::COMPONENTS,
        "the generator makes 20,000 components"
    );
    let registry = Registry::get();
    let mut group = c.benchmark_group("convert_20k_components");
    group.sample_size(10);
    group.throughput(Throughput::Elements(components as u64));
    group.bench_function("source_to_mdapi", |b| {
        b.iter(|| source_to_mdapi(registry, &source, "63.0").expect("converts"))
    });
    let package = source_to_mdapi(registry, &source, "63.0").expect("converts");
    let existing: Vec<String> = source.keys().cloned().collect();
    group.bench_function("mdapi_to_source", |b| {
        b.iter_batched(
            || package.files.clone(),
            |mdapi| mdapi_to_source(registry, &mdapi, "force-app", &existing).expect("converts"),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
