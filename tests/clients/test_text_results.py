"""A text result (`result.data[].text`: openai/whisper's transcript) becomes a text output, in either result schema."""

from netmind_console.clients import normalize

NEWER = {"id": "a" * 32, "status": "completed", "created_at": "2025-09-18 09:14:20", "logs": [{"text": "done"}]}
OLDER = {"id": "b" * 32, "status": "completed", "model_id": 87, "backend_id": "c" * 32, "payment_type": "usd"}


def test_a_text_item_of_the_newer_schema_is_a_text_output_without_a_url():
    generation = normalize.generation({**NEWER, "result": {"data": [{"text": "Hello.\nAgain."}]}})
    [output] = generation.outputs
    assert (output.kind, output.text, output.url) == ("text", "Hello.\nAgain.", "")


def test_an_older_schema_answer_carrying_result_data_text_is_read_the_same_way():
    generation = normalize.generation({**OLDER, "meta_info": {}, "result": {"data": [{"text": "Bonjour."}]}})
    assert [(o.kind, o.text) for o in generation.outputs] == [("text", "Bonjour.")]


def test_an_empty_text_is_still_a_result_and_files_beside_texts_keep_their_kind():
    data = [{"text": ""}, {"url": "https://files.netmind.ai/a.png", "file_type": "image"}, {"nothing": 1}, "junk"]
    outputs = normalize.generation({**NEWER, "result": {"data": data}}).outputs
    assert [(o.kind, o.text, o.url) for o in outputs] == [("text", "", ""), ("image", None, "https://files.netmind.ai/a.png")]


def test_the_older_schemas_download_url_is_still_read_when_result_data_holds_nothing_usable():
    body = {**OLDER, "meta_info": {"file_id": "file-1", "result_download_url": "https://x.s3.amazonaws.com/r.mp4"}}
    assert [o.kind for o in normalize.generation({**body, "result": {"data": []}}).outputs] == ["video"]
    assert [o.kind for o in normalize.generation(body).outputs] == ["video"]
