"""A batch's prompts read from lines of text or a CSV: rows numbered as the person sees them (a CSV's header is
row 1), what spreadsheets save read as they mean it, and an input that cannot be used refused as a whole, saying
why. Each row's values are judged later (tests/jobs/test_batches.py)."""

import io

import pytest
from PIL import Image

from jobs import batch_input, batches, catalogue
from jobs.batch_input import InputRefused
from tests.jobs.batch_helpers import csv_file
from tests.jobs.batching import QWEN

QWEN_COLUMNS = batches.columns_for(catalogue.get(QWEN))


def read(text: str | bytes, seeds=1, columns=QWEN_COLUMNS):
    return [(row.number, row.prompt, row.cells) for row in batch_input.from_csv(csv_file(text), columns, seeds)]


def refusal(text: str | bytes, seeds=1) -> str:
    with pytest.raises(InputRefused) as refused:
        batch_input.from_csv(csv_file(text), QWEN_COLUMNS, seeds)
    return str(refused.value)


def test_a_csv_row_is_numbered_as_the_spreadsheet_shows_it_header_first_blank_rows_counted_not_kept():
    text = "prompt,image_size\na red kite,square_hd\n\n\"a kite, blue\nwith a long tail\",\nlast\n"

    assert read(text) == [(2, "a red kite", {"image_size": "square_hd"}),
                          (4, "a kite, blue\nwith a long tail", {}),
                          (5, "last", {})]


def test_a_semicolon_csv_with_a_byte_order_mark_as_a_spreadsheet_saves_it_is_read():
    text = "\ufeffPrompt;Image_Size;num_inference_steps\r\nune rue, la nuit;square_hd;12\r\n"

    assert read(text.encode("utf-8")) == [(2, "une rue, la nuit", {"image_size": "square_hd",
                                                                  "num_inference_steps": "12"})]


def test_a_tab_separated_file_is_read():
    assert read("prompt\tnum_images\ntwo cats, asleep\t2\n") == [(2, "two cats, asleep", {"num_images": "2"})]


def test_a_doubled_quote_inside_a_quoted_cell_is_one_quote_as_spreadsheets_write_it():
    assert read('prompt,num_images\n"a sign that says ""open"", in neon",2\n') == [
        (2, 'a sign that says "open", in neon', {"num_images": "2"})]


def test_cells_are_trimmed_and_empty_ones_left_out_so_the_form_value_applies():
    assert read("prompt, image_size ,num_images\n  a heron  , , 3 \n") == [(2, "a heron", {"num_images": "3"})]


def test_a_column_with_no_name_is_ignored():
    assert read("prompt,,num_images\na heron,a note to self,3\n") == [(2, "a heron", {"num_images": "3"})]


def test_empty_cells_past_the_last_column_are_harmless():
    assert read("prompt,num_images\na heron,3,,\n") == [(2, "a heron", {"num_images": "3"})]


def test_a_row_with_more_cells_than_columns_is_refused_with_its_number():
    message = refusal("prompt\na heron\na kite, at dusk\n")

    assert message == "Row 3 has 2 cells but row 1 names 1 columns; put a cell holding a comma in quotes."


def test_lines_are_numbered_as_the_text_box_shows_them_and_blank_lines_skipped():
    rows = batch_input.from_lines("a red kite\r\n\r\n  a blue kite  \n\nlast\n", seeds=1)

    assert [(row.number, row.prompt, row.cells) for row in rows] == [(1, "a red kite", {}), (3, "a blue kite", {}),
                                                                       (5, "last", {})]


@pytest.mark.parametrize("text, expected", [
    ("colour,prompt\nred,a kite\n",
     "Row 1: the column “colour” is not a parameter of this model; its columns: prompt, image_size, "
     "num_inference_steps, guidance_scale, num_images, enable_safety_checker, output_format, acceleration."),
    ("text,image_size\na kite,square_hd\n",
     "Row 1 must name the columns, one of them “prompt”; found: text, image_size."),
    ("prompt,num_images,Num_Images\na kite,1,2\n", "Row 1: the column “num_images” appears twice."),
    ("prompt\n", "The file has a header but no prompts."),
    ("prompt,num_images\n\n , \n", "The file has a header but no prompts."),
    ("  \n\n", "The file is empty."),
], ids=["unknown column", "no prompt column", "a column twice", "only a header", "only blank rows", "empty"])
def test_a_csv_whose_header_or_content_cannot_be_used_is_refused_saying_why(text, expected):
    assert refusal(text) == expected


def test_a_file_that_is_not_utf8_text_is_refused_with_how_to_save_it():
    assert refusal("prompt\nun café\n".encode("latin-1")) == ("The file is not UTF-8 text: save it from your "
                                                             "spreadsheet as “CSV UTF-8”.")


def test_an_image_uploaded_as_the_csv_is_refused():
    picture = io.BytesIO()
    Image.new("RGB", (8, 8)).save(picture, "PNG")

    assert refusal(picture.getvalue()) in ("The file is not UTF-8 text: save it from your spreadsheet as “CSV UTF-8”.",
                                           "The file is not a CSV: it holds binary data.")


def test_utf16_text_is_refused_as_binary_rather_than_read_as_garbage():
    assert refusal("prompt\na kite\n".encode("utf-16-le")) == "The file is not a CSV: it holds binary data."


def test_a_file_over_ten_megabytes_is_refused_before_it_is_read():
    assert refusal("prompt\n" + "a kite\n" * (batch_input.MAX_BATCH_FILE_BYTES // 7)) == (
        "The file is larger than 10 MB.")


def test_twenty_thousand_rows_are_refused_saying_what_a_batch_holds():
    assert refusal("prompt\n" + "".join(f"kite {n}\n" for n in range(20_000))) == (
        "The input has more than 10,000 prompts: a batch holds at most 10,000 jobs. Split it into several batches.")


def test_rows_times_seeds_past_ten_thousand_jobs_are_refused_naming_the_seeds():
    assert refusal("prompt\n" + "".join(f"kite {n}\n" for n in range(2_501)), seeds=4) == (
        "The input has more than 2,500 prompts × 4 seeds: a batch holds at most 10,000 jobs. "
        "Split it into several batches.")
    assert len(read("prompt\n" + "".join(f"kite {n}\n" for n in range(2_500)), seeds=4)) == 2_500


def test_ten_thousand_lines_are_taken_and_one_more_refused():
    assert len(batch_input.from_lines("kite\n" * 10_000, seeds=1)) == 10_000
    with pytest.raises(InputRefused, match="The input has 10,001 prompts: a batch holds at most 10,000 jobs"):
        batch_input.from_lines("kite\n" * 10_001, seeds=1)


def test_a_cell_larger_than_any_csv_reader_takes_is_refused_with_its_row_number():
    huge = "x" * 200_000

    assert refusal(f"prompt\na kite\n{huge}\n") == (
        "Row 3 is not readable CSV: field larger than field limit (131072).")


def test_a_huge_prompt_cell_is_kept_just_long_enough_for_the_row_check_to_refuse_it():
    [(number, prompt, _)] = read("prompt\n" + "y" * 50_000 + "\n")

    assert number == 2 and len(prompt) == batch_input.MAX_CELL_CHARS + 1
