@testable import SidecarFleet
import SidecarModel
import Testing

@Suite("Fleet keys")
struct FleetKeysTests {
    @Test("ids with colons or percent signs round-trip and never collide")
    func escaping() {
        let keys = FleetKeys(namespace: "prod")
        let samples = [
            StateKey(customerId: "c1"), StateKey(customerId: "c1", resourceId: "r1"), StateKey(customerId: "c1:r1"),
            StateKey(customerId: "a%3Ab"), StateKey(customerId: "a:b", resourceId: "x:y%"),
        ]
        let names = samples.map(keys.state)
        #expect(Set(names).count == samples.count)
        for (key, name) in zip(samples, names) {
            #expect(name.hasPrefix("prod:state:"))
            #expect(keys.stateKey(fromName: name) == key)
        }
        #expect(keys.stateKey(fromName: "other:state:c1:") == nil)
        #expect(keys.stateKey(fromName: "prod:lease:c1:") == nil)
    }

    @Test("a shared state decodes only when it is exactly what the fleet writes")
    func decoding() {
        let key = StateKey(customerId: "c1")
        let good = SharedState(key: key, state: EntitlementsState(entitlements: []), syncedAtMs: 1_764_000_000_123)
        #expect(SharedState.decode(good.encoded(), key: key)?.syncedAtMs == 1_764_000_000_123)
        for bad in ["", "null", "[]", #"{"syncedAtMs":"1","state":{"entitlements":[]}}"#, #"{"syncedAtMs":1.5,"state":{"entitlements":[]}}"#,
                    #"{"syncedAtMs":1,"state":{"entitlements":{}}}"#, #"{"state":{"entitlements":[]}}"#] {
            #expect(SharedState.decode(Array(bad.utf8), key: key) == nil, "\(bad)")
        }
    }
}
