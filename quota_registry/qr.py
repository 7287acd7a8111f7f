"""QR codes as inline SVG markup, made on the server (no image service; nothing leaves it): the second factor's
set-up code and the log receipts printed on the forms."""
import io


def qr_svg(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    out = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return out.getvalue().decode()
