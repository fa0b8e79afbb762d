import Foundation
import SidecarCache
import SidecarModel

// `ENTITLEMENTS_FALLBACK` over arbitrary text, then every parsed rule answering feature and
// credit checks with and without a requested usage, as the fallback path does when upstream is
// down. Parsing must end in rules or a FallbackRulesError; answers must follow the rule.

private let now = Date(timeIntervalSince1970: 1_790_000_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let rules: FallbackRules
    do {
        rules = try FallbackRules(parsing: text)
    } catch {
        _ = error.description
        return 0
    }
    for (id, rule) in rules.rules.prefix(16) {
        for usage in [nil, 0, 1, 1e6] as [Double?] {
            let feature = rules.decide(CheckRequest(customerId: "c", target: .feature(id), requestedUsage: usage), now: now)
            if !rule.hasAccess {
                require(!feature.isGranted, "\(id): granted without access")
            } else if rule.isUnlimited {
                require(feature.isGranted, "\(id): unlimited rule denied usage \(String(describing: usage))")
            }
            let credit = rules.decide(CheckRequest(customerId: "c", target: .currency(id), requestedUsage: usage), now: now)
            if !rule.hasAccess { require(!credit.isGranted, "\(id): credit granted without access") }
            var writer = JSONWriter()
            writer.entitlement(feature.entitlement)
            writer.entitlement(credit.entitlement)
        }
        if let allowed = rule.enumValues {
            let request = CheckRequest(customerId: "c", target: .feature(id), requestedValues: Array(allowed.prefix(4)) + ["not-listed-\(id)"])
            let decision = rules.decide(request, now: now)
            require(!decision.isGranted || allowed.contains("not-listed-\(id)"), "\(id): value outside enumValues granted")
        }
    }
    return 0
}

/// `precondition` without its message in -O builds is no use to whoever reads the crash log.
private func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
