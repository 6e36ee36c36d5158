package oms.ffi

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import uniffi.oms_ffi.Address
import uniffi.oms_ffi.Carton
import uniffi.oms_ffi.CartonizeOptions
import uniffi.oms_ffi.Dims
import uniffi.oms_ffi.Engine
import uniffi.oms_ffi.LabelInput
import uniffi.oms_ffi.Location
import uniffi.oms_ffi.LocationKind
import uniffi.oms_ffi.Money
import uniffi.oms_ffi.OmsFfiException
import uniffi.oms_ffi.Orientation
import uniffi.oms_ffi.OrderStatus
import uniffi.oms_ffi.PackItem
import uniffi.oms_ffi.PackingRules
import uniffi.oms_ffi.Product
import uniffi.oms_ffi.ReceiveStock
import uniffi.oms_ffi.ParcelSpec
import uniffi.oms_ffi.Ship
import uniffi.oms_ffi.ShipLine
import uniffi.oms_ffi.ShipmentRequest
import uniffi.oms_ffi.TrackingStatus
import uniffi.oms_ffi.WeightBreak
import uniffi.oms_ffi.cartonize
import uniffi.oms_ffi.checkAddress
import uniffi.oms_ffi.deliveryPromise
import uniffi.oms_ffi.selectService
import uniffi.oms_ffi.shippingLabel
import uniffi.oms_ffi.validatePlan

/** A packing station chooses the box and the service, and prints the label. */
class ShippingTest {
    private fun usd(amount: String) = Money(amount = amount, currency = "USD")

    private val cartons = listOf(
        Carton(cartonId = "S", inner = Dims(200u, 150u, 100u), cost = usd("0.40"), tareWeight = 80uL),
        Carton(cartonId = "M", inner = Dims(300u, 200u, 150u), cost = usd("0.60"), tareWeight = 120uL),
    )

    @Test
    fun `the packer gets the carton, never chooses it`() {
        val mugs = PackItem(sku = "MUG", quantity = 4uL, dims = Dims(100u, 100u, 120u), orientation = Orientation.Upright, weight = 350uL)
        val plan = cartonize(cartons, listOf(mugs), null)
        assertEquals(listOf("M"), plan.parcels.map { it.cartonId })
        assertEquals(4uL * 350uL + 120uL, plan.parcels[0].weight)
        validatePlan(cartons, listOf(mugs), plan)
        // A glass ships apart from the mugs, priced by weight.
        val glass = PackItem(sku = "GLASS", quantity = 1uL, dims = Dims(90u, 90u, 90u), orientation = Orientation.Any, weight = 200uL, fragile = true)
        val rated = cartonize(
            cartons,
            listOf(mugs, glass),
            CartonizeOptions(rates = listOf(WeightBreak(upTo = 30_000uL, price = usd("7")))),
        )
        assertEquals(listOf("M", "S"), rated.parcels.map { it.cartonId })
        assertEquals(usd("15.00"), rated.cost)
        val sofa = PackItem(sku = "SOFA", quantity = 1uL, dims = Dims(2000u, 900u, 800u), orientation = Orientation.Any)
        val e = assertThrows<OmsFfiException.Validation> { cartonize(cartons, listOf(sofa), null) }
        assertTrue(e.message!!.contains("SOFA fits no carton"), e.message)
    }

    private val config = """
        {"zones": [{"country": "US", "zone": "near"}, {"country": "US", "postal_prefix": "9", "zone": "far"}],
         "services": [
           {"service_id": "ground", "carrier": "UPS", "name": "Ground", "transit_days": {"near": 2, "far": 5},
            "rates": {"near": [{"up_to": 10000, "price": {"amount": "8", "currency": "USD"}}],
                      "far": [{"up_to": 10000, "price": {"amount": "11", "currency": "USD"}}]}},
           {"service_id": "air", "carrier": "UPS", "name": "Next Day Air", "transit_days": {"near": 1, "far": 1},
            "rates": {"near": [{"up_to": 10000, "price": {"amount": "25", "currency": "USD"}}],
                      "far": [{"up_to": 10000, "price": {"amount": "31", "currency": "USD"}}]}}],
         "calendar": {"holidays": ["2026-11-26"]}}
    """.trimIndent()
    private val newark = Location(locationId = "NJ", name = "Newark", kind = LocationKind.WAREHOUSE)
    private val west = Address(name = "Ada", line1 = "1 Main St", city = "San Jose", postalCode = "95112", country = "US", region = "CA")

    @Test
    fun `the service meets the promise or the app says why`() {
        val request = ShipmentRequest(
            destination = west,
            at = "2026-11-20T14:00:00Z",
            parcels = listOf(ParcelSpec(dims = Dims(300u, 200u, 150u), weight = 1_200uL)),
            deliverBy = "2026-11-24",
        )
        val choice = selectService(config, newark, request)
        assertEquals("air", choice.serviceId)
        assertTrue(choice.meetsPromise)
        assertEquals("2026-11-23", choice.deliveryDate)
        assertEquals(2, choice.quotes.size)
        assertNull(choice.quotes[0].refused)
        val late = selectService(config, newark, request.copy(deliverBy = "2026-11-20"))
        assertFalse(late.meetsPromise)
        assertTrue(late.reason.contains("no service arrives by 2026-11-20"), late.reason)
        val promise = deliveryPromise(config, listOf(newark), request.copy(parcels = emptyList(), deliverBy = null))
        assertEquals("2026-11-23", promise.arrivesBy)
    }

    @Test
    fun `addresses are checked and labels printed`() {
        assertTrue(checkAddress(west, config).isEmpty())
        val box = west.copy(line1 = "PO Box 7", postalCode = "951")
        assertEquals(listOf("postal_code", "line1"), checkAddress(box, config).map { it.field })
        val label = shippingLabel(
            LabelInput(
                shipmentId = "SH-1", carrier = "UPS", service = "Ground", from = west, to = west,
                parcel = 1u, parcels = 2u, weight = 1_250uL, shipDate = "2026-11-20", trackingNumber = "1Z999",
            ),
        )
        assertTrue(label.zpl.startsWith("^XA"))
        assertEquals("1Z999", label.barcode)
        assertEquals("Ship 2026-11-20  1.25 kg  Parcel 1/2", label.details)
    }

    @Test
    fun `tracking scans flow back as events and deliver the order`() {
        stockedEngine("""{"require_payment": false}""").use { engine ->
            engine.placeOrder(order("SO-1", "MUG" to 1uL), AT)
            engine.allocate("SO-1", AT)
            engine.ship(
                Ship(orderId = "SO-1", shipmentId = "SH-1", locationId = "WH1", carrier = "UPS",
                    lines = listOf(ShipLine(lineId = "1", quantity = 1uL)), trackingNumber = "1Z999"),
                LATER,
            )
            val exception = engine.recordTrackingEvent("SH-1", TrackingStatus.EXCEPTION, LATER, "address unknown", LATER)
            assertEquals(listOf("shipment_status_changed", "shipment_exception"), exception.map { it.kind })
            assertTrue(exception[0].json.contains("\"channel\":\"app\""), exception[0].json)
            val delivered = engine.recordTrackingEvent("SH-1", TrackingStatus.DELIVERED, "2026-11-24T10:00:00Z", null, "2026-11-24T10:05:00Z")
            assertEquals(listOf("shipment_status_changed", "shipment_delivered"), delivered.take(2).map { it.kind })
            assertEquals(TrackingStatus.DELIVERED, engine.shipment("SH-1").trackingStatus)
            val e = assertThrows<OmsFfiException.InvalidTransition> {
                engine.recordTrackingEvent("SH-1", TrackingStatus.IN_TRANSIT, LATER, null, LATER)
            }
            assertTrue(e.message!!.contains("cannot become in_transit"), e.message)
        }
    }

    @Test
    fun `the handheld packs what the engine chose, then ships the parcels`() {
        val config = """{"require_payment": false, "cartons": [
            {"carton_id": "M", "inner": {"length": 300, "width": 200, "height": 150}, "tare_weight": 120,
             "cost": {"amount": "0.60", "currency": "USD"}}]}"""
        Engine(config).use { engine ->
            engine.defineLocation(Location(locationId = "WH1", name = "Main", kind = LocationKind.WAREHOUSE), AT)
            engine.defineProduct(
                Product(sku = "MUG", name = "Mug", weightG = 350uL, dimsMm = Dims(100u, 100u, 120u),
                    packing = PackingRules(orientation = Orientation.Upright)),
                AT,
            )
            engine.receiveStock(ReceiveStock(sku = "MUG", locationId = "WH1", quantity = 10uL), AT)
            engine.placeOrder(order("SO-1", "MUG" to 4uL), AT)
            engine.allocate("SO-1", AT)
            val packed = engine.pack("SO-1", null, null, AT)
            assertEquals("order_packed", packed[0].kind)
            assertEquals(OrderStatus.PACKED, engine.order("SO-1").status)
            engine.ship(Ship(orderId = "SO-1", shipmentId = "SH-1", locationId = "WH1", carrier = "UPS"), LATER)
            val parcel = engine.shipment("SH-1").parcels.single()
            assertEquals("M", parcel.cartonId)
            assertEquals(4uL * 350uL + 120uL, parcel.weight)
            assertEquals(OrderStatus.SHIPPED, engine.order("SO-1").status)
        }
    }

    @Test
    fun `the engine chooses the service when the packer names none`() {
        val cartons = """[{"carton_id": "M", "inner": {"length": 300, "width": 200, "height": 150},
            "cost": {"amount": "0.60", "currency": "USD"}}]"""
        val engineConfig = """{"require_payment": false, "cartons": $cartons, "shipping": $config}"""
        Engine(engineConfig).use { engine ->
            engine.defineLocation(Location(locationId = "WH1", name = "Main", kind = LocationKind.WAREHOUSE), AT)
            engine.defineProduct(Product(sku = "MUG", name = "Mug", weightG = 350uL, dimsMm = Dims(100u, 100u, 120u)), AT)
            engine.receiveStock(ReceiveStock(sku = "MUG", locationId = "WH1", quantity = 10uL), AT)
            val promise = engine.deliveryPromise(listOf("MUG"), west, "2026-11-20T14:00:00Z")
            assertEquals("2026-11-23", promise.arrivesBy)
            engine.placeOrder(order("SO-1", "MUG" to 2uL).copy(shipTo = west, deliverBy = "2030-01-01"), AT)
            engine.allocate("SO-1", AT)
            engine.pack("SO-1", null, null, AT)
            assertEquals("SO-1-1", engine.packedLabels("SO-1").single().barcode)
            engine.ship(Ship(orderId = "SO-1", shipmentId = "SH-1", locationId = "WH1"), LATER)
            val shipment = engine.shipment("SH-1")
            assertEquals("UPS", shipment.carrier)
            assertEquals("ground", shipment.service)
            assertTrue(shipment.choice!!.meetsPromise)
            val labels = engine.shipmentLabels("SH-1")
            assertEquals(1, labels.size)
            assertEquals("UPS ground", labels[0].header)
        }
    }
}
