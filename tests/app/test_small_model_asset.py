"""The AppTests' small model (tests/assets/small.keras) is still a model hrnn loads and built as its config says."""

from hrnn.nn.model_files import load_model
from tests.assets.make_small_model import ASSET, small_config


def test_the_small_model_asset_loads_as_an_hrnn_of_its_config(small_model):
    model = load_model(small_model)
    config = small_config()
    assert model.name == config.arch
    assert model.get_layer("row_encoder").output.shape[-1] == config.row_units
    assert model.get_layer("column_encoder").output.shape[-1] == config.image_units
    assert small_model.read_bytes() == ASSET.read_bytes()  # the fixture hands out the asset, not a model of its own
