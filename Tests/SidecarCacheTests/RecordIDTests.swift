import Testing
@testable import SidecarCache

@Suite("Record ids")
struct RecordIDTests {
    @Test("random ids are lowercase version-4 UUIDs, all different")
    func shape() {
        var seen = Set<String>()
        for _ in 0..<1_000 {
            let id = RecordID.random()
            let bytes = Array(id.utf8)
            #expect(bytes.count == 36)
            #expect([8, 13, 18, 23].allSatisfy { bytes[$0] == UInt8(ascii: "-") })
            #expect(bytes[14] == UInt8(ascii: "4"), "version nibble of \(id)")
            #expect("89ab".utf8.contains(bytes[19]), "variant nibble of \(id)")
            #expect(bytes.enumerated().allSatisfy { [8, 13, 18, 23].contains($0.offset) || "0123456789abcdef".utf8.contains($0.element) })
            seen.insert(id)
        }
        #expect(seen.count == 1_000)
    }

    @Test("the bits are written in order, with only the version and variant bits forced")
    func layout() {
        #expect(RecordID.format(high: 0, low: 0) == "00000000-0000-4000-8000-000000000000")
        #expect(RecordID.format(high: .max, low: .max) == "ffffffff-ffff-4fff-bfff-ffffffffffff")
        #expect(RecordID.format(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210) == "01234567-89ab-4def-bedc-ba9876543210")
    }
}
