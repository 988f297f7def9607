//! Permanent material: add, count, page, read and delete.

use wxgate_api::ErrCode;
use wxgate_api::endpoint::material::batchget_material::{self, Item, MaterialType};
use wxgate_api::endpoint::material::{add_material, del_material, get_material, get_materialcount};
use wxgate_api::endpoint::media::{File, MediaType};

use crate::common::{Env, memory_store, unique};
use crate::media::{MP3, MP4, PNG, jpeg, png, token};

#[tokio::test]
async fn materials_round_trip_and_counts_move() {
    let env = Env::start().await;
    let client = env.client();
    let token = token(&env).await;
    let credentials = env.credentials(memory_store(), &unique("material"));

    let count = credentials
        .call(&get_materialcount::Request::new())
        .await
        .unwrap();
    assert_eq!(
        (count.image_count, count.voice_count, count.video_count),
        (0, 0, 0)
    );

    let image = client
        .call(&add_material::Request::new(MediaType::Image, png()))
        .access_token(&token)
        .await
        .unwrap();
    let url = image.url.clone().expect("images have a url");
    let served = env
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(served.as_ref(), PNG);
    let voice = credentials
        .call(&add_material::Request::new(
            MediaType::Voice,
            File::new("voice.mp3", MP3).content_type("audio/mpeg"),
        ))
        .await
        .unwrap();
    assert_eq!(voice.url, None);
    let video = credentials
        .call(&add_material::Request::video(
            File::new("clip.mp4", MP4).content_type("video/mp4"),
            "发布会",
            "完整录像",
        ))
        .await
        .unwrap();
    credentials
        .call(&add_material::Request::new(MediaType::Thumb, jpeg()))
        .await
        .unwrap();

    let count = client
        .call(&get_materialcount::Request::new())
        .access_token(&token)
        .await
        .unwrap();
    assert_eq!(
        (count.image_count, count.voice_count, count.video_count),
        (1, 1, 1)
    );

    // Files come back as they went, videos as their description and link.
    let got = credentials
        .call(&get_material::Request::new(image.media_id.clone()))
        .await
        .unwrap();
    let get_material::Response::File(file) = got else {
        panic!("an image is a file: {got:?}")
    };
    assert_eq!(file.bytes.as_ref(), PNG);
    assert_eq!(file.content_type.as_deref(), Some("image/png"));
    let got = credentials
        .call(&get_material::Request::new(video.media_id.clone()))
        .await
        .unwrap();
    let get_material::Response::Video(described) = got else {
        panic!("a video is JSON: {got:?}")
    };
    assert_eq!(described.title, "发布会");
    assert_eq!(described.description, "完整录像");
    let bytes = env
        .http
        .get(&described.down_url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), MP4);

    // Deleting moves the count; a second delete and a read of the deleted one are 40007.
    credentials
        .call(&del_material::Request::new(voice.media_id.clone()))
        .await
        .unwrap();
    let count = credentials
        .call(&get_materialcount::Request::new())
        .await
        .unwrap();
    assert_eq!(count.voice_count, 0);
    let again = credentials
        .call(&del_material::Request::new(voice.media_id.clone()))
        .await
        .unwrap_err();
    assert_eq!(again.errcode(), Some(ErrCode::InvalidMediaId));
    let gone = credentials
        .call(&get_material::Request::new(voice.media_id))
        .await
        .unwrap_err();
    assert_eq!(gone.errcode(), Some(ErrCode::InvalidMediaId));
}

#[tokio::test]
async fn material_lists_page() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), &unique("material"));
    let mut ids = Vec::new();
    for i in 0..3 {
        let added = credentials
            .call(&add_material::Request::new(
                MediaType::Image,
                File::new(format!("image{i}.png"), PNG).content_type("image/png"),
            ))
            .await
            .unwrap();
        ids.push(added.media_id);
        env.advance(1).await;
    }
    let first = credentials
        .call(&batchget_material::Request::new(MaterialType::Image, 0, 2))
        .await
        .unwrap();
    assert_eq!((first.total_count, first.item_count), (3, 2));
    let Item::Media(newest) = &first.item[0] else {
        panic!("images are media items: {first:?}")
    };
    assert_eq!(newest.media_id, ids[2], "most recent first");
    assert_eq!(newest.name, "image2.png");
    assert!(newest.url.is_some());
    let second = credentials
        .call(&batchget_material::Request::new(MaterialType::Image, 2, 2))
        .await
        .unwrap();
    assert_eq!(second.item_count, 1);
    assert_eq!(second.item[0].media_id(), &ids[0]);
    let voices = credentials
        .call(&batchget_material::Request::new(MaterialType::Voice, 0, 20))
        .await
        .unwrap();
    assert_eq!((voices.total_count, voices.item.len()), (0, 0));
    let error = credentials
        .call(&batchget_material::Request::new(MaterialType::Image, 0, 21))
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(ErrCode::ArgumentInvalid));
}

#[tokio::test]
async fn material_errors_are_typed() {
    let env = Env::start().await;
    let credentials = env.credentials(memory_store(), &unique("material"));
    let no_description = credentials
        .call(&add_material::Request::new(
            MediaType::Video,
            File::new("clip.mp4", MP4),
        ))
        .await
        .unwrap_err();
    assert_eq!(no_description.errcode(), Some(ErrCode::ArgumentInvalid));
    let wrong_format = credentials
        .call(&add_material::Request::new(MediaType::Voice, png()))
        .await
        .unwrap_err();
    assert_eq!(wrong_format.errcode(), Some(ErrCode::InvalidFileType));
    let too_big = credentials
        .call(&add_material::Request::new(
            MediaType::Image,
            File::new("huge.png", vec![0; 10 * 1024 * 1024 + 1]),
        ))
        .await
        .unwrap_err();
    assert_eq!(too_big.errcode(), Some(ErrCode::MediaSizeOutOfLimit));
    let unknown = credentials
        .call(&get_material::Request::new("nope"))
        .await
        .unwrap_err();
    assert_eq!(unknown.errcode(), Some(ErrCode::InvalidMediaId));
}
