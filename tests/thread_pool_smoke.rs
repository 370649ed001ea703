use homemade::thread_pool::{join, Gil, ThreadPool};

fn fib(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = join(|| fib(n - 1), || fib(n - 2));
    a + b
}

#[test]
fn smoke() {
    let pool = ThreadPool::new(2).unwrap();
    assert_eq!(pool.install(|| fib(20)), 6765);
    assert_eq!(pool.submit(|| 41 + 1).join().unwrap(), 42);
    let v: Vec<u64> = pool.map((0..1000).collect(), |x: u64| x * 2);
    assert_eq!(v, (0..1000).map(|x| x * 2).collect::<Vec<_>>());
    let gil = Gil::new();
    let mut g = gil.acquire();
    g.tick();
    g.blocking(|| ());
    drop(g);
    println!("{:?}", pool.stats());
}
