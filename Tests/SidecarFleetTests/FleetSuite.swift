import Testing

/// Every fleet suite runs inside this one, one test at a time. The tests drive blocking HTTP
/// clients from their own tasks, as the other targets' tests do; two suites doing so at once
/// on a 2-core machine hold both threads of Swift's cooperative pool, which the in-process
/// sidecars need for their reads, and misses then answer from fallback at their deadline.
@Suite(.serialized)
struct FleetSuite {}
